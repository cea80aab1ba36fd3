import copy
import json

import pytest
from django.conf import settings

from activities.importer import import_dataset

DATASET_PATH = settings.BASE_DIR / "data" / "wsis-report-2024.json"


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests speak plain HTTP to the test client; production redirects to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def dataset_2024():
    """The real 2024 report dataset, parsed once; tests get their own copy."""
    with open(DATASET_PATH, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def dataset(dataset_2024):
    return copy.deepcopy(dataset_2024)


@pytest.fixture
def report_2024(db, dataset):
    """The 2024 report imported as a published cycle."""
    return import_dataset(dataset).cycle
