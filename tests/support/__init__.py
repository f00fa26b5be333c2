"""What the tests share, in modules of their own (docs/architecture.md#tests): no test module imports another.

- `places`: the keys of the units the cast lives in;
- `clock`: the time zone and the frozen instants;
- `builders`: records built through the real services (a case opened and walked, a referral sent, an import file);
- `pages`: reading a response or a PDF back;
- `world` and `matrix`: the access matrix's world and its rules (tests/security, tests/core/test_audit_completeness.py);
- `fixtures`: the shared fixtures, loaded for the whole suite by `pytest_plugins` in tests/conftest.py.
"""
