"""``smart-spawn/auto`` as a model: per-message routing of chats (``route``), one request to a
provider endpoint (``upstream``) and routed chat completions with fallbacks, routing report and
spawn log (``completions``). Used by the server's OpenAI-compatible endpoint and by the gateway
plugin's ``resolve_model``."""
