"""The leads configuration from the environment."""

from __future__ import annotations

import pytest

from aicmo_common.config import ConfigError
from aicmo_leads.config import LeadsConfig

BASE = {"AICMO_TOKEN_SECRET": "s" * 40, "AICMO_IDENTITY_HASH_KEY": "k" * 32}


def test_defaults_and_overrides():
    config = LeadsConfig.load(BASE)
    assert (config.service, config.default_phone_region, config.port) == ("leads", "US", 50052)
    assert config.identity_hash_key == "k" * 32
    assert LeadsConfig.load({**BASE, "AICMO_DEFAULT_PHONE_REGION": "gb"}
                            ).default_phone_region == "GB"


@pytest.mark.parametrize("environ, variable", [
    ({"AICMO_TOKEN_SECRET": "s" * 40}, "AICMO_IDENTITY_HASH_KEY"),
    ({**BASE, "AICMO_IDENTITY_HASH_KEY": "short"}, "AICMO_IDENTITY_HASH_KEY"),
    ({**BASE, "AICMO_DEFAULT_PHONE_REGION": "XX"}, "AICMO_DEFAULT_PHONE_REGION"),
    ({**BASE, "AICMO_LEADS_IMPORT_BATCH_SIZE": "0"}, "AICMO_LEADS_IMPORT_BATCH_SIZE"),
])
def test_bad_values_name_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        LeadsConfig.load(environ)
