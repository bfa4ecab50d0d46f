"""The demo payment page: where a payment link from the chat leads (card details never enter the dialogue)."""
