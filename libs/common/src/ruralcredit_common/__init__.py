"""ruralcredit_common."""
