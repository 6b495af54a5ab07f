"""Liveness and readiness probes."""

import marshmallow as ma
from flask.views import MethodView

from arcane import database
from arcane.smorest import Blueprint, Schema

blp = Blueprint("health", __name__, url_prefix="", description="Probes for load balancers and orchestrators.")


class StatusSchema(Schema):
    status = ma.fields.String(required=True, dump_only=True, metadata={"example": "ok"})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, StatusSchema)
    def get(self):
        """Liveness: the process answers (the database is not consulted)"""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Readiness: the database answers a ping"""
        database.ping()
        return {"status": "ok"}
