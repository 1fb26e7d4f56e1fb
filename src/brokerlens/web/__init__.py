"""The web workbench and REST API: FastAPI, server-rendered Jinja2 pages with htmx, ECharts.

Data flows store -> access (scope, masking, audit) -> web. This package only calls the
`auth`, `access`, `publish` and `classify` service functions; it never writes SQL.
Build the app with `brokerlens.web.app.create_app(settings)`.
"""
