from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print one demo login per role."

    def handle(self, *args, **options):
        from staffrota.demo.build import demo_logins

        self.stdout.write("Demo logins (the SAP number is the username):")
        for role, username, password in demo_logins():
            self.stdout.write(f"  {role:<22} {username:<12} {password}")
