from rest_framework import exceptions, pagination

from kam.pagination import KeysFirstPaginator


def _whole_number(raw) -> int | None:
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100`; answers count, next, previous and results.

    A malformed page or page size is the client's mistake (400); a page past the end is not found (404).
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if not raw or raw in self.last_page_strings:
            return raw or 1
        number = _whole_number(raw)
        if number is None or number < 1:
            raise exceptions.ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        return number

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:
            return self.page_size
        size = _whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A page size is a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Results per page (default {self.page_size}, at most {self.max_page_size})."
        return parameters


class KeysFirstPagination(PageNumberPagination):
    """For long lists sorted on indexed columns (a team's performance rows, a KAM's 50,000 interactions): the
    page's keys are sorted first, from an index that holds them, and whole rows are read for the page alone."""

    django_paginator_class = KeysFirstPaginator
