"""JSON API under /api/v1, documented by flask-smorest's OpenAPI generator."""
from __future__ import annotations

import threading

from flask_smorest import Api as SmorestApi
from flask_smorest.spec import openapi_cli

from app.api.schemas import ApiErrorSchema


class Api(SmorestApi):
    """flask-smorest's Api without its app-wide error handler, writing its OpenAPI document
    when the document is first read.

    Errors are rendered by app.core.errors for the whole app, JSON under /api/;
    ERROR_SCHEMA documents that shape for every error response in the OpenAPI document.

    The routes are registered at once; the document (`GET /api/v1/openapi.json`,
    `lms openapi print`) is written on the first read of `spec`. Writing it walks every schema
    of every resource, about a twentieth of a second that every server start would otherwise
    pay, before its first page, for a document few clients ever fetch. Whoever reads `spec`
    first writes it, under a lock, and every reader gets the whole document.
    """

    ERROR_SCHEMA = ApiErrorSchema

    def __init__(self, *args, **kwargs) -> None:
        self._spec = None
        self._spec_options: dict | None = None  # what init_app asked _init_spec for
        self._undocumented: list[tuple] = []  # (blueprint, name, parameters) registered, not yet written up
        self._spec_lock = threading.RLock()  # re-entered: writing the document reads self.spec
        self._spec_writing = False
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._spec_options is not None or self._undocumented:
            with self._spec_lock:
                if not self._spec_writing:  # the writer itself reads the document it is writing
                    self._spec_writing = True
                    try:
                        self._write_spec()
                    finally:
                        self._spec_writing = False
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def _init_spec(self, **options) -> None:
        # Called by init_app (once per app): a new app gets a new document, written when read.
        self._spec, self._spec_options, self._undocumented = None, options, []
        self._app.cli.add_command(openapi_cli)  # what flask-smorest's _init_spec ends with: `lms openapi`

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        """flask-smorest's register_blueprint, with the blueprint's views written into the
        document when the document is written rather than now."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _write_spec(self) -> None:
        # Each piece is marked done only once written: a reader that finds nothing left to do
        # (and so takes no lock) never sees a half-written document.
        if self._spec_options is not None:
            super()._init_spec(**self._spec_options)
            self._spec_options = None
        while self._undocumented and self._spec is not None:
            blp, name, parameters = self._undocumented[0]
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})
            self._undocumented.pop(0)

    def _register_error_handlers(self) -> None:
        pass


api = Api(
    spec_kwargs={
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
    }
)
