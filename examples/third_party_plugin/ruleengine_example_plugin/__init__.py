"""An example third-party ruleengine plugin (see README.md); the hooks are in ``plugin``."""
