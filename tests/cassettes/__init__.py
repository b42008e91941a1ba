"""Hand-written OpenAI cassettes, their shared scenarios and the script that makes them."""
