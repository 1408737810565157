"""ruralcredit_scoring."""
