"""The one thing pyproject.toml does not say: the optional C reader of query_range values.

``optional=True``: without a C compiler the install still succeeds and
capacity/sources/_matrix.py reads answers with Arrow instead (slower, same numbers).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("capacity.sources._valuesc", sources=["capacity/sources/_valuesc.c"], optional=True)])
