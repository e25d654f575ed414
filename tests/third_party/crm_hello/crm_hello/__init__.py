"""Greetings: crm-suite's sample third-party module.

It is a pip package like any module published on PyPI, and uses one hook of
every kind a module typically needs. Code lives in plugin.py (hooks only),
models.py, schemas.py, views.py and services.py.
"""
