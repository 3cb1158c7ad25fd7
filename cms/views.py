from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness for load balancers (and the bare baseline view benchmarks compare against)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
