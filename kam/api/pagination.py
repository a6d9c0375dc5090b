from rest_framework import exceptions, pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100`; answers count, next, previous and results."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
            return raw
        # A malformed page number is the client's mistake (400); a page past the end is not found (404).
        if not (isinstance(raw, int) or (raw.isascii() and raw.isdigit() and len(raw) <= 9)) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        return raw
