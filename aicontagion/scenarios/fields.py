"""Scalar field types of the scenario schema: dates, ids, month counts, unlimited amounts."""

from __future__ import annotations

from typing import Annotated

from pydantic import AllowInfNan, Field

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
EXTERNAL_ID = "external"
MAX_MONTHS = 1200  # a hundred years: the cap on months in scenario files, sweep specs and the CLI
Months = Annotated[int, Field(gt=0, le=MAX_MONTHS)]
Cap = Annotated[float, Field(ge=0.0), AllowInfNan(True)]  # an amount that may be unlimited (.inf), never NaN
