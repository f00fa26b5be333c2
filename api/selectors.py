"""Reads for the pages that manage API clients and tokens (docs/api.md#clients): administrators see every client;
a person sees their own tokens only. What is not theirs to see is missing (404), as elsewhere."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.accounts.policy import Person, can_manage_api_clients, is_system_account

from .models import ApiClient, ApiToken


def clients_visible_to(user: Person) -> QuerySet[ApiClient]:
    """Every client with its counts of tokens (`tokens_live`: neither revoked nor expired; `tokens_total`), for
    administrators; none for anyone else."""
    if not can_manage_api_clients(user):
        return ApiClient.objects.none()
    live = Q(account__api_tokens__revoked_at__isnull=True, account__api_tokens__expires_at__gt=timezone.now())
    return ApiClient.objects.select_related("account__unit").annotate(
        tokens_live=Count("account__api_tokens", filter=live),
        tokens_total=Count("account__api_tokens"),
    )


def client_get_for(user: Person, pk: int) -> ApiClient:
    client = ApiClient.objects.select_related("account__unit", "created_by").filter(pk=pk).first()
    if client is None or not can_manage_api_clients(user):
        raise Http404
    return client


def tokens_of(account: User) -> QuerySet[ApiToken]:
    """An account's tokens, the newest first, with who issued and revoked them."""
    return ApiToken.objects.filter(account=account).select_related("created_by", "revoked_by")


def own_tokens(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens (a system account has no page: it does not sign in)."""
    if is_system_account(user):
        return ApiToken.objects.none()
    return tokens_of(user)


def own_token_get(user: User, pk: int) -> ApiToken:
    token = own_tokens(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def client_token_get(client: ApiClient, pk: int) -> ApiToken:
    token = tokens_of(client.account).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
