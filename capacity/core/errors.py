"""One exception tree for the whole package.

Every error carries the data it is about (file, field, query, series, cell)
as attributes, and its ``str()`` is one line a person can act on. The CLI
prints that line and exits non-zero; it never shows a traceback for these.

    CapacityError
    ├── ConfigError            a config/spec/catalog file or option is invalid   (file, field)
    │   ├── SpecError          an SLO spec is invalid                            (file, slo, field)
    │   └── PromQLSyntaxError  a malformed PromQL selector (also a QueryError)   (query)
    ├── DataError              data does not fit the contract                    (series, column)
    │   ├── FrameError         a frame fails validation                          (column)
    │   └── FileFormatError    an input file is malformed                        (file, column, row)
    ├── UnknownMetricError     a metric name is not in the catalog/source        (name, known)
    ├── SourceError            a data source failed                              (source, query)
    │   ├── QueryError         the server rejected a query (errorType/error)     (query, error_type)
    │   ├── ConnectionFailed   the server could not be reached / died            (url)
    │   └── RetriesExhausted   retries ran out on 5xx/429/timeouts               (url, attempts, status)
    ├── ForecastError          a forecast could not be produced                  (series)
    │   └── SeriesTooShortError  series too short for the request               (series: list)
    └── ReportError            a report could not be rendered                    (notebook)
        ├── ParameterError     an unknown or ill-typed notebook parameter        (notebook, parameter)
        └── NotebookExecutionError  a cell failed                                (notebook, cell, output)
"""

from __future__ import annotations

from typing import Any


class CapacityError(Exception):
    """Base of every error the library raises on purpose."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        for key, value in context.items():
            setattr(self, key, value)

    def __str__(self) -> str:  # one line, always
        return " ".join(self.message.split("\n")) if "\n" in self.message else self.message


class SourceWarning(UserWarning):
    """Something a source noticed and corrected (duplicates dropped, naive timestamps read as UTC, server warnings)."""


class ConfigError(CapacityError):
    """A configuration, catalog or option is invalid (``file``, ``field``)."""


class SpecError(ConfigError):
    """An SLO specification is invalid (``file``, ``slo``, ``field``)."""


class DataError(CapacityError):
    """Data does not fit the contract (``series``, ``column``)."""


class FrameError(DataError):
    """A frame fails :func:`capacity.frame.validate` (``column``)."""


class FileFormatError(DataError):
    """An input file is malformed (``file``, ``column``, ``row``)."""


class UnknownMetricError(CapacityError):
    """A metric name is neither in the catalog nor in the source (``name``, ``known``)."""


class SourceError(CapacityError):
    """A data source failed (``source``, ``query``)."""


class QueryError(SourceError):
    """The server rejected a query (``query``, ``error_type``, ``error``)."""


class PromQLSyntaxError(ConfigError, QueryError):
    """A malformed PromQL selector, found before any server saw it (``query``).

    A configuration error (the text comes from a spec, catalog or option) and a
    :class:`QueryError`, as a server's refusal of the same text would be: code
    that catches QueryError around a pull sees it whether the bundled sample or
    a real server found the mistake.
    """


class ConnectionFailed(SourceError):
    """The server could not be reached or dropped the connection (``url``)."""


class RetriesExhausted(SourceError):
    """Retries ran out on 5xx / 429 / timeouts (``url``, ``attempts``, ``status``)."""


class ForecastError(CapacityError):
    """A forecast could not be produced (``series``)."""


class SeriesTooShortError(ForecastError):
    """Series are too short for the request (``series``: list of ids)."""


class ReportError(CapacityError):
    """A report could not be rendered (``notebook``)."""


class ParameterError(ReportError):
    """An unknown or ill-typed notebook parameter (``notebook``, ``parameter``)."""


class NotebookExecutionError(ReportError):
    """A notebook cell failed (``notebook``, ``cell``, ``output``)."""
