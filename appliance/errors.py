"""The appliance's errors: one base class, a few kinds. Wrap foreign errors once, at the boundary."""


class ApplianceError(Exception):
    """Base of every error the appliance reports to a person (CLI message, MCP isError result)."""


class UsageError(ApplianceError):
    """The caller asked for something malformed: a bad regex, a bad path, an unknown repo."""


class NotFoundError(ApplianceError):
    """The thing asked for does not exist in the index."""


class IndexError_(ApplianceError):
    """The index on disk cannot be opened or written."""


class PluginError(ApplianceError):
    """A plugin failed to validate, load or run."""


class ConfigError(ApplianceError):
    """A configuration or unit file is invalid; the message names the file and line."""
