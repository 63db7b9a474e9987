"""The provider registry as the gateway executor's endpoint resolver.

:class:`EndpointResolver` answers, for a model ref, the provider's base URL, the model id it
knows and that provider's key alone (:class:`~smart_spawn_plugin.providers.registry.Endpoint`).
A ``local/<id>`` the registry does not know yet triggers one probe of the configured local
ports (the routing side found it the same way, from the same settings). The composition root
hands it to ``gateway.routed.ProviderExecutor``; nothing here knows the gateway.
"""

from __future__ import annotations

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.providers.local import detect, local_models
from smart_spawn_plugin.providers.registry import LOCAL, Endpoint, ProviderRegistry
from smart_spawn_plugin.settings import Settings


class EndpointResolver:
    """Model ref → :class:`Endpoint` over the providers of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.registry = ProviderRegistry(settings)
        self.local_max_output = settings.providers.local_max_output

    async def resolve(self, model: str) -> Endpoint:
        head, _, wire = model.partition("/")
        local = self.registry.providers.get(LOCAL)
        if head == LOCAL and (local is None or not local.serves(model)):
            section = self.registry.settings.providers
            found = local_models(await detect(section.local_ports, timeout=section.detect_timeout))
            self.registry = ProviderRegistry(self.registry.settings, found)
            if not any(m.id == wire for m in found):
                raise InvalidParam(
                    f"{model}: no local server on ports {section.local_ports} serves {wire!r}",
                    field="model",
                )
        return self.registry.resolve(model)

    def secrets(self) -> list[str]:
        return self.registry.secrets()
