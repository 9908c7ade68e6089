"""Code Index Appliance: a self-hosted code index for AI agents."""

__version__ = "0.1.0"
