"""The import page: upload, preview every row with its errors, then confirm."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from staffrota.imports.forms import ImportForm
from staffrota.imports.reading import ImportFileError, read_table
from staffrota.imports.services import KINDS, import_run
from staffrota.imports.storage import upload_discard, upload_keep, upload_load
from staffrota.organisation.models import CareHome
from staffrota.web.permissions import manager_required

PREVIEW_ROWS = 200


def _run(request, *, kind, home, filename, data, commit):
    rows = read_table(filename=filename, data=data, required=KINDS[kind])
    return import_run(
        kind=kind,
        home=home,
        rows=rows,
        actor=request.user,
        unit_ids=set(request.access.unit_ids),
        commit=commit,
    )


@manager_required
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None, home_ids=request.access.home_ids)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind, home = form.cleaned_data["kind"], form.cleaned_data["home"]
        try:
            result = _run(
                request, kind=kind, home=home, filename=upload.name, data=data, commit=False
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            ticket = None
            if result.ok:
                ticket = upload_keep(
                    data=data,
                    filename=upload.name,
                    kind=kind,
                    home_id=home.pk,
                    user_id=request.user.pk,
                )
            context.update(
                result=result,
                home=home,
                filename=upload.name,
                ticket=ticket,
                preview=result.created[:PREVIEW_ROWS],
            )
    status = 400 if context.get("result") and not context["result"].ok else 200
    return render(request, "imports/import.html", context, status=status)


@manager_required
@require_POST
def import_confirm(request):
    loaded = upload_load(ticket=request.POST.get("ticket", ""), user_id=request.user.pk)
    if loaded is None:
        messages.error(request, "That preview has expired. Upload the file again.")
        return redirect("import_start")
    payload, data = loaded
    home = get_object_or_404(CareHome, pk=payload["home"], pk__in=request.access.home_ids)
    try:
        result = _run(
            request,
            kind=payload["kind"],
            home=home,
            filename=payload["name"],
            data=data,
            commit=True,
        )
    except ImportFileError as error:
        messages.error(request, str(error))
        return redirect("import_start")
    if not result.committed:
        # The rota changed since the preview: show the rows that now fail.
        form = ImportForm(home_ids=request.access.home_ids)
        context = {"form": form, "result": result, "home": home, "filename": payload["name"]}
        return render(request, "imports/import.html", context, status=409)
    upload_discard(payload)
    noun = "people" if payload["kind"] == "staff" else "shifts"
    messages.success(request, f"Imported {result.rows} {noun} into {home.name}.")
    return redirect("import_start")
