"""The local Prefect server llmbench starts once and reuses, and the choice of server for each command."""

from llmbench.server.connect import PrefectConnection, connect_prefect, user_api_url
from llmbench.server.prefect_server import (
    DEFAULT_PORT,
    PORT_ENV,
    LocalPrefectServer,
    ServerStatus,
    configured_port,
)

__all__ = [
    "DEFAULT_PORT",
    "PORT_ENV",
    "LocalPrefectServer",
    "PrefectConnection",
    "ServerStatus",
    "configured_port",
    "connect_prefect",
    "user_api_url",
]
