"""The mobile-operator pack: balance, services, number unlock, diagnostics, complaints, payments, visits."""
