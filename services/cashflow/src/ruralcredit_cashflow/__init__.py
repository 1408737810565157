"""ruralcredit_cashflow."""
