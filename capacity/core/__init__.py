"""The ground floor: the frame contract, errors, time parsing and windows, safe file writes.

Nothing here knows about sources, SLOs or forecasts.
"""
