"""Pure domain core of the scorer: grades, policy, limits, pricing, reasons, decision."""

from ruralcredit_scoring.domain.config import PolicyConfig, PricingConfig
from ruralcredit_scoring.domain.decision import Application, Decision, ModelOutput, decide

__all__ = ["Application", "Decision", "ModelOutput", "PolicyConfig", "PricingConfig", "decide"]
