"""The API's resources: parse the query, call the function that reads, answer in the schema."""

from __future__ import annotations

from flask import Response, abort, jsonify
from pydantic import BaseModel

from audit.api import api_error, bp, params, schemas
from audit.api.actions_list import actions as action_rows
from audit.api.bearer import api_user
from audit.api.figures import region_figures, store_figures
from audit.api.openapi import document
from audit.api.references import visit_id_of
from audit.api.scope import Scope
from audit.api.visits_feed import published_visit, visits_page
from audit.vocabulary import Role
from audit.web.database import get_db


def answer(model: type[BaseModel], data: dict) -> Response:
    """The data as JSON, checked against its model (a drift from the document fails here).

    pydantic writes the JSON itself: a page of 200 visits (1.7 MB) took 80 ms in jsonify."""
    return Response(model.model_validate(data).model_dump_json(), mimetype="application/json")


def scope() -> Scope:
    """The stores this token sees."""
    return Scope.of(api_user())


def _store(row: dict) -> dict:
    """A stores row as the API shows it."""
    return {k: row[k] for k in ("id", "code", "name", "channel", "region", "address", "url")} | {
        "archived": bool(row["archived"])}


@bp.errorhandler(params.BadParameter)
def _bad_parameter(error: params.BadParameter):
    """400 naming the parameter."""
    return api_error("bad_parameter", str(error), 400)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document())


@bp.get("/stores")
def stores():
    """The stores the token's user sees."""
    return answer(schemas.StoreList, {"items": [_store(s) for s in scope().stores(get_db())]})


@bp.get("/stores/<int:store_id>")
def store(store_id: int):
    """One store (404 unless the user sees it)."""
    row = scope().store(get_db(), store_id) or abort(404)
    return answer(schemas.Store, _store(row))


@bp.get("/stores/<int:store_id>/figures")
def store_period_figures(store_id: int):
    """A store's figures for ?start=&end=, as its PDF report prints them."""
    row = scope().store(get_db(), store_id) or abort(404)
    return answer(schemas.StoreFigures,
                  store_figures(get_db(), row, params.period(), params.lang()))


@bp.get("/regions/<region>/figures")
def region_period_figures(region: str):
    """A region's figures for ?start=&end= (a manager: only regions with a store of theirs)."""
    period, lang = params.period(), params.lang()
    visible = None
    if api_user()["role"] != Role.ADMIN:
        visible = set(scope().store_ids(get_db()))
    data = region_figures(get_db(), region, period, lang, visible)
    if not data["groups"]:
        abort(404)
    return answer(schemas.RegionFigures, data)


@bp.get("/visits")
def visits():
    """Published visits of ?start=&end= (optionally one ?store_id=), a page at a time."""
    page = visits_page(get_db(), scope(), params.period(), params.lang(),
                       after=params.cursor(), limit=params.limit(), store_id=params.store_id())
    return answer(schemas.VisitPage, page)


@bp.get("/visits/<ref>")
def visit(ref: str):
    """One published visit of a store the user sees."""
    visit_id = visit_id_of(get_db(), ref)
    found = visit_id and published_visit(get_db(), scope(), visit_id, params.lang())
    return answer(schemas.Visit, found or abort(404))


@bp.get("/actions")
def actions():
    """The actions of the user's stores (optionally one ?store_id=), soonest due first."""
    ids = scope().store_ids(get_db())
    one = params.store_id()
    if one is not None:
        ids = [one] if one in ids else abort(404)
    return answer(schemas.ActionList, {"items": action_rows(get_db(), ids)})
