from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from cramps.services import documents_refresh_all

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "cramps-demo"


class Command(BaseCommand):
    help = (
        "Load the demo content in fixtures/ (safe to run again: rows are replaced, not duplicated), "
        "render it, and create a demo admin user when the site has no superuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-user", action="store_true", help="Do not create the demo admin user.")

    def handle(self, *args, no_user: bool = False, **options):
        fixtures = sorted(str(path) for path in FIXTURES.glob("*.json"))
        with transaction.atomic():
            call_command("loaddata", *fixtures, verbosity=0)
            count = documents_refresh_all()
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {len(fixtures)} fixture files; rendered {count} pages.")
        )
        if no_user:
            return
        User = get_user_model()
        demo = User.objects.filter(username=DEMO_USERNAME).first()
        if demo is None and not User.objects.filter(is_superuser=True).exists():
            demo = User.objects.create_superuser(DEMO_USERNAME, "admin@example.com", DEMO_PASSWORD)
        if demo is not None and demo.is_superuser and demo.check_password(DEMO_PASSWORD):
            self.stdout.write(
                self.style.WARNING(
                    f"Admin: log in at http://127.0.0.1:8000/admin/ as “{DEMO_USERNAME}” "
                    f"with password “{DEMO_PASSWORD}” (demo user, development only)."
                )
            )
        else:
            self.stdout.write("Admin: log in at http://127.0.0.1:8000/admin/ with your superuser.")
