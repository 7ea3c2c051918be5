// Criteria editor, progressive enhancement only: the pages work the same without it.
// 1. Hide the parts of a criterion form that do not apply to the chosen answer type
//    (a part that holds values stays visible, so validation messages about it can be seen).
// 2. Ask before a "Remove" button removes a section or criterion.

function hasValues(part) {
  return [...part.querySelectorAll("input, select, textarea")].some((el) =>
    el.type === "checkbox" ? el.checked : el.tagName !== "SELECT" && el.value.trim() !== "");
}

function showPartsFor(form) {
  const type = form.querySelector("select[name$='type']");
  if (!type) return;
  for (const part of form.querySelectorAll(".type-part[data-types]")) {
    const applies = part.dataset.types.split(" ").includes(type.value);
    part.classList.toggle("hidden-by-type", !applies && !hasValues(part));
  }
}

for (const form of document.querySelectorAll("form")) {
  if (!form.querySelector(".type-part")) continue;
  showPartsFor(form);
  form.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='type']")) showPartsFor(form);
  });
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
