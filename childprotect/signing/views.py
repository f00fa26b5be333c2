"""The signer's certificates (account menu), the signing page of a document, and a signed document's validation.
Thin views: the person's own certificates only; a document reached through its kind's selector (404 out of reach);
one service call; refusals shown on the form, nothing changed. Secret fields are kept out of Django's error reports
(sensitive_post_parameters) and never echoed back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from childprotect.http import AuthenticatedRequest

from . import selectors, services, token
from .forms import CertificateUploadForm, SignForm, TokenCertificateForm
from .registry import kind_get

SECRETS = ("passphrase", "pin")


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def certificate_list(request: AuthenticatedRequest) -> HttpResponse:
    """The person's certificates, and the forms to add one: a PKCS#12 file with its passphrase; a key on the server's
    PKCS#11 token (when settings name one) by its label, with the token's PIN."""
    on_token = request.POST.get("source") == "pkcs11"
    form = CertificateUploadForm(None if on_token else (request.POST or None), request.FILES or None)
    token_form = TokenCertificateForm(request.POST if on_token else None) if token.available() else None
    if request.method == "POST":
        try:
            if token_form is not None and on_token and token_form.is_valid():
                certificate = services.certificate_add_pkcs11(
                    actor=request.user, label=token_form.cleaned_data["label"], pin=token_form.cleaned_data["pin"]
                )
            elif not on_token and form.is_valid():
                upload = form.cleaned_data["file"]
                certificate = services.certificate_add_pkcs12(
                    actor=request.user, data=upload.read(), passphrase=form.cleaned_data["passphrase"]
                )
            else:
                certificate = None
        except services.SigningError as exc:
            (token_form if on_token and token_form is not None else form).add_error(None, exc.message)
        else:
            if certificate is not None:
                messages.success(request, _("Đã thêm chứng thư số của %(name)s.") % {"name": certificate.common_name})
                return redirect("signing:certificates")
    return render(
        request,
        "signing/certificates.html",
        {"form": form, "token_form": token_form, "certificates": selectors.certificates_of(request.user)},
    )


@login_required
@require_POST
def certificate_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get_for(request.user, pk)
    services.certificate_revoke(actor=request.user, certificate=certificate)
    messages.success(request, _("Đã ngừng sử dụng chứng thư số."))
    return redirect("signing:certificates")


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def document_sign(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    """The document to sign (its link and SHA-256), the person's certificates, the passphrase; POST signs it."""
    entry = kind_get(kind)
    obj = entry.get_for(request.user, pk)  # out of reach: 404
    if not entry.may_sign(request.user, obj):
        raise PermissionDenied(_("Bạn không ký văn bản này."))
    certificates = selectors.certificates_of(request.user)
    signed = selectors.signed_document_current(kind, obj)
    refusal = entry.refusal(obj)
    digest = ""
    if signed is None and not refusal:
        digest = services.document_digest(entry.render(obj))
    form = SignForm(request.POST or None, certificates=certificates, initial={"digest": digest})
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_sign(
                actor=request.user,
                entry=entry,
                obj=obj,
                certificate_id=form.cleaned_data["certificate"],
                passphrase=form.cleaned_data["passphrase"],
                digest=form.cleaned_data["digest"],
            )
        except services.SigningError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã ký số văn bản."))
            return redirect("signing:document", pk=document.pk)
    services.document_record_view(actor=request.user, entry=entry, obj=obj, page="sign")
    return render(
        request,
        "signing/sign.html",
        {
            "entry": entry,
            "obj": obj,
            "title": entry.describe(obj),
            "url": entry.url(obj),
            "form": form,
            "certificates": certificates,
            "signed": signed,
            "refusal": refusal,
            "digest": digest,
        },
    )


@login_required
@require_safe
def document_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A signed document's signature checked now: valid or not, by whom, when, changed after signing or not."""
    document, obj = selectors.signed_document_get_for(request.user, pk)
    entry = kind_get(document.kind)
    services.document_record_view(actor=request.user, entry=entry, obj=obj, page="check")
    return render(
        request,
        "signing/document.html",
        {
            "document": document,
            "entry": entry,
            "title": entry.describe(obj),
            "url": entry.url(obj),
            "current": selectors.signed_document_current(document.kind, obj) == document,
            "check": selectors.validation_of(document),
        },
    )
