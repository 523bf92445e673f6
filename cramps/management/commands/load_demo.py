from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cramps.about import about_page_demo
from cramps.demo import demo_load
from cramps.transfer import ContentImportError

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "cramps-demo"


class Command(BaseCommand):
    help = (
        "Load the demo content in fixtures/ where the site has nothing by the same key or slug: "
        "references by key, nutrients and articles by slug. Anything already here is left exactly "
        "as it is and listed. Also creates a demo admin user when the site has no superuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-user", action="store_true", help="Do not create the demo admin user.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be loaded; save nothing."
        )

    def handle(self, *args, no_user: bool = False, dry_run: bool = False, **options):
        try:
            result = demo_load(dry_run=dry_run)
        except ContentImportError as error:
            for problem in error.problems:
                self.stderr.write(self.style.ERROR(problem))
            raise CommandError("The demo content was not loaded; nothing was changed.") from None
        loaded = [item for item in result.summary.items if item.action == "new"]
        counts = ", ".join(
            f"{result.summary.count(kind, 'new')} {kind}s" for kind in ("reference", "nutrient", "article")
        )
        verb = "Would load" if dry_run else "Loaded"
        self.stdout.write(self.style.SUCCESS(f"{verb} {counts} from {result.files} fixture files."))
        for section, names in result.skipped.items():
            if names:
                shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
                self.stdout.write(
                    f"Skipped {len(names)} {section} already on this site (left as they are): {shown}."
                )
        if not dry_run and about_page_demo():
            self.stdout.write("Wrote the demonstration About page.")
        if not loaded:
            self.stdout.write("Nothing new to load.")
        if not no_user and not dry_run:
            self._demo_user()

    def _demo_user(self) -> None:
        User = get_user_model()
        demo = User.objects.filter(username=DEMO_USERNAME).first()
        if demo is None and not User.objects.filter(is_superuser=True).exists():
            demo = User.objects.create_superuser(DEMO_USERNAME, "admin@example.com", DEMO_PASSWORD)
        # The address `make run` serves (it sets CRAMPS_SITE_URL from PORT), else runserver's default.
        admin_url = urljoin(settings.CRAMPS_SITE_URL or "http://127.0.0.1:8000/", "/admin/")
        if demo is not None and demo.is_superuser and demo.check_password(DEMO_PASSWORD):
            self.stdout.write(
                self.style.WARNING(
                    f"Admin: log in at {admin_url} as “{DEMO_USERNAME}” "
                    f"with password “{DEMO_PASSWORD}” (demo user, development only)."
                )
            )
        else:
            self.stdout.write(f"Admin: log in at {admin_url} with your superuser.")
