"""One flight's manifest in the formats people hand on: JSON, CSV, XLSX, a printable PDF and UN/EDIFACT PAXLST.

JSON, CSV and XLSX need only the plan; PDF and PAXLST also need the flight (route, times, aircraft) from the
request the plan was made for. Exceptions::

    ExportError   the request given has no such flight, or its route is not the one the plan flew
"""

from planner.exports.formats import MEDIA_TYPES, ExportError, Format, export_manifest, needs_flight

__all__ = ["MEDIA_TYPES", "ExportError", "Format", "export_manifest", "needs_flight"]
