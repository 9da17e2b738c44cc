"""The one thing pyproject.toml does not say: the optional C reader of query_range values.

``optional=True``: without a C compiler the install still succeeds and
capacity/sources/prometheus/_matrix.py reads answers with Arrow instead (slower, same numbers).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("capacity.sources.prometheus._valuesc", sources=["capacity/sources/prometheus/_valuesc.c"], optional=True)])
