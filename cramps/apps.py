from django.apps import AppConfig


class CrampsConfig(AppConfig):
    name = "cramps"
    verbose_name = "Content"
