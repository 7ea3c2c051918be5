"""The OpenAPI 3.1 document of /api/v1/: the paths written down here, the answers' schemas
generated from the pydantic models (audit/api/schemas.py) that the views answer through.

A test walks the app's URL map, so a route missing from PATHS fails the suite.
"""

from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from audit.api import schemas
from audit.api.visits_feed import MAX_LIMIT
from audit.vocabulary import LANGUAGES

REF = "#/components/schemas/{model}"


def _query(name: str, description: str, required: bool = False, **schema) -> dict:
    """A query parameter."""
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _path(name: str, description: str, **schema) -> dict:
    """A path parameter."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


PERIOD = [_query("start", "First day (YYYY-MM-DD)", True, type="string", format="date"),
          _query("end", "Last day, included (YYYY-MM-DD)", True, type="string", format="date")]
LANG = _query("lang", "Language of titles and questions (default: the user's)",
              type="string", enum=list(LANGUAGES))
STORE_ID = _path("store_id", "A store's id", type="integer")
ONE_STORE = _query("store_id", "Only this store", type="integer")

# (path, operation id, summary, parameters, answer model, may answer 404)
PATHS = [
    ("/stores", "listStores", "The stores the token's user sees", [], schemas.StoreList, False),
    ("/stores/{store_id}", "getStore", "One store", [STORE_ID], schemas.Store, True),
    ("/stores/{store_id}/figures", "getStoreFigures",
     "A store's figures for a period: the numbers of its PDF report",
     [STORE_ID, *PERIOD, LANG], schemas.StoreFigures, True),
    ("/regions/{region}/figures", "getRegionFigures",
     "A region's figures for a period (a manager: their stores of it, no ranks)",
     [_path("region", "The region's name"), *PERIOD, LANG], schemas.RegionFigures, True),
    ("/visits", "listVisits", "Published visits of a period with scores, sections and answers",
     [*PERIOD, ONE_STORE, LANG,
      _query("limit", f"Page length (1 to {MAX_LIMIT}, default 50)", type="integer",
             minimum=1, maximum=MAX_LIMIT),
      _query("cursor", "next_cursor of the previous page")], schemas.VisitPage, False),
    ("/visits/{visit}", "getVisit", "One published visit",
     [_path("visit", "The visit's public reference"), LANG], schemas.Visit, True),
    ("/actions", "listActions", "Actions of the user's stores, soonest due first",
     [ONE_STORE], schemas.ActionList, True),
]


def _error(description: str) -> dict:
    """A refusal's response object."""
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}


def _operation(op_id: str, summary: str, parameters: list, model: type, not_found: bool) -> dict:
    """One GET operation with its answers."""
    responses = {
        "200": {"description": "OK", "content": {"application/json": {
            "schema": {"$ref": REF.format(model=model.__name__)}}}},
        "400": _error("A query parameter is missing or wrong"),
        "401": _error("No token, or an unknown or revoked one"),
        "403": _error("The token's user has no access to the API (a shopper)"),
        "429": _error("Too many requests; see Retry-After"),
    }
    if not_found:
        responses["404"] = _error("Not found, or not a store the user sees")
    return {"operationId": op_id, "summary": summary, "parameters": parameters,
            "responses": responses}


@cache
def document() -> dict:
    """The whole OpenAPI document."""
    _, defs = models_json_schema([(m, "serialization") for m in schemas.MODELS],
                                 ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mystery audit API", "version": "1",
                 "description": "Read-only. Send `Authorization: Bearer <token>`; a token sees "
                                "what its user sees in the portal."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": defs["$defs"],
        },
        "paths": {path: {"get": _operation(op_id, summary, parameters, model, not_found)}
                  for path, op_id, summary, parameters, model, not_found in PATHS}
        | {"/openapi.json": {"get": {"operationId": "getOpenapi", "security": [],
                                     "summary": "This document",
                                     "responses": {"200": {"description": "OK"}}}}},
    }
