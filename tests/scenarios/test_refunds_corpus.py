"""The refund shapes of the scenario corpus, on every endpoint version (see harness.py)."""
import pytest

from tests.scenarios.harness import cases
from tests.scenarios.shapes_refunds import SHAPES

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("shape", "version"), cases(SHAPES))
def test_refund_shape(corpus, shape, version):
    corpus.run(shape, version)
