"""Dormant-account activation (休眠户及空户激活, seed 000): dormant and empty accounts as of T,
ranked by the value of reactivating them, with the reasons."""

from brokerlens.activation.build import activation_file, compute_activation
from brokerlens.activation.config import ActivationConfig, load_config

__all__ = ["ActivationConfig", "activation_file", "compute_activation", "load_config"]
