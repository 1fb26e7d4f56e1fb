"""brokerlens: customer analytics and marketing service for securities brokerages."""

__version__ = "0.1.0"
