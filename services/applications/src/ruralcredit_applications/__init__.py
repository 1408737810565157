"""ruralcredit_applications."""
