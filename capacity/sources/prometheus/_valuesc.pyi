"""Types of the optional C reader (``_valuesc.c``)."""

import numpy as np
import numpy.typing as npt

def parse_values(
    body: bytes, pos: int, ns_out: npt.NDArray[np.int64], y_out: npt.NDArray[np.float64], /
) -> tuple[int, int]:
    """One series' values array of a query_range body, from ``pos`` (its ``[``), into int64 ns and
    float64 buffers: ``(count, end)``; count -1 when the array is not in the fast form."""
