from django.apps import AppConfig


class SandboxAcumaticaConfig(AppConfig):
    name = "sandbox.acumatica"
    label = "sandbox_acumatica"
    verbose_name = "Sandbox Acumatica"
