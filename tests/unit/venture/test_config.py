"""The venture configuration: shared settings plus its own, bad values named."""

from __future__ import annotations

import pytest

from aicmo_common.config import ConfigError
from aicmo_venture.config import VentureConfig
from tests.conftest import TOKEN_SECRET


def test_defaults_and_own_variable():
    config = VentureConfig.from_env(environ={"AICMO_TOKEN_SECRET": TOKEN_SECRET,
                                             "AICMO_VENTURE_DB_WORKERS": "4"})
    assert (config.service, config.port, config.db_workers) == ("venture", 50051, 4)
    assert config.database_url == "sqlite:///var/venture.db"
    assert config.audit_addr == "localhost:50054"


def test_a_bad_value_names_its_variable():
    with pytest.raises(ConfigError, match="AICMO_VENTURE_DB_WORKERS"):
        VentureConfig.from_env(environ={"AICMO_TOKEN_SECRET": TOKEN_SECRET,
                                        "AICMO_VENTURE_DB_WORKERS": "0"})
