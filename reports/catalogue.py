"""The sections and criteria a report covers, merged over the criteria versions it spans."""

from __future__ import annotations

from dataclasses import dataclass, field

from criteria.model import CriteriaSet, Criterion, text


@dataclass
class Catalogue:
    """Section titles and criteria of the versions a report covers; newer versions win."""

    lang: str
    sections: dict[str, str] = field(default_factory=dict)
    section_order: list[str] = field(default_factory=list)
    criteria: dict[str, Criterion] = field(default_factory=dict)
    section_of: dict[str, str] = field(default_factory=dict)
    set_names: dict[int, str] = field(default_factory=dict)
    pass_mark: float = 80

    @classmethod
    def build(cls, sets: dict[int, CriteriaSet], lang: str) -> Catalogue:
        """Merge the sets by version id order, so the newest wording is used."""
        cat = cls(lang)
        for vid in sorted(sets):
            cs = sets[vid]
            cat.set_names[vid] = text(cs.name, lang)
            cat.pass_mark = cs.pass_mark
            for section in cs.sections:
                if section.key not in cat.sections:
                    cat.section_order.append(section.key)
                cat.sections[section.key] = text(section.title, lang)
                for c in section.criteria:
                    cat.criteria[c.key] = c
                    cat.section_of[c.key] = section.key
        return cat

    def criterion_text(self, key: str) -> str:
        """The criterion's question in the report's language (its key if unknown)."""
        c = self.criteria.get(key)
        return text(c.text, self.lang) if c else key

    def guidance(self, key: str) -> str:
        """The criterion's guidance in the report's language."""
        c = self.criteria.get(key)
        return text(c.guidance, self.lang) if c else ""
