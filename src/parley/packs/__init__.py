"""Business domains. A pack is a folder: intents + examples, actions, rules, templates, flows."""
