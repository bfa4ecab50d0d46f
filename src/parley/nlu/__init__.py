"""Local understanding: intents, entities, language and mood, without any network or LLM."""
