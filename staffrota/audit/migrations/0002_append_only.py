from django.db import migrations


def install(apps, schema_editor):
    from staffrota.audit.db import append_only_install

    append_only_install(schema_editor.connection)


def remove(apps, schema_editor):
    from staffrota.audit.db import append_only_remove

    append_only_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
