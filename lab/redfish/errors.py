"""Redfish error responses built from Base message registry ids.

A Redfish service returns every failed request with an `error` object whose
`@Message.ExtendedInfo` lists registry messages. Clients key on `MessageId`, so the ids
here are the standard Base registry ids; the message texts are short paraphrases.
"""

from __future__ import annotations

# Base registry version the emulated services claim. Clients compare only the registry
# name and the message key, never this version.
BASE_REGISTRY = "Base.1.18.1"

# message key -> (severity, message template with %1, %2 ... placeholders, resolution)
_MESSAGES = {
    "GeneralError": (
        "Critical",
        "A general error has occurred.",
        "See the ExtendedInfo for more information.",
    ),
    "ResourceNotFound": (
        "Critical",
        "The requested resource of type %1 named '%2' was not found.",
        "Provide a valid resource identifier and resubmit the request.",
    ),
    "NoValidSession": (
        "Critical",
        "There is no valid session established with the implementation.",
        "Establish a session before attempting any operations.",
    ),
    "InsufficientPrivilege": (
        "Critical",
        "There are insufficient privileges for the account or credentials associated with "
        "the current session to perform the requested operation.",
        "Either abandon the operation or change the associated access rights and resubmit "
        "the request if the operation failed.",
    ),
    "ResourceAtUriUnauthorized": (
        "Critical",
        "While accessing the resource at '%1', the service received an authorization error "
        "'%2'.",
        "Ensure that the appropriate access is provided for the service in order for it to "
        "access the URI.",
    ),
    "CreateFailedMissingReqProperties": (
        "Critical",
        "The create operation failed because the required property %1 was missing from the "
        "request.",
        "Correct the body to include the required property with a valid value and resubmit "
        "the request if the operation failed.",
    ),
    "MalformedJSON": (
        "Critical",
        "The request body submitted was malformed JSON and could not be parsed by the "
        "receiving service.",
        "Ensure that the request body is valid JSON and resubmit the request.",
    ),
    "UnrecognizedRequestBody": (
        "Critical",
        "The service detected a malformed request body that it was unable to interpret.",
        "Correct the request body and resubmit the request if it failed.",
    ),
    "OperationNotAllowed": (
        "Critical",
        "The HTTP method is not allowed on this resource.",
        "None.",
    ),
    "ActionNotSupported": (
        "Critical",
        "The action %1 is not supported by the resource.",
        "The action supplied cannot be resubmitted to the implementation. Perhaps the action "
        "was invalid, the wrong resource was the target or the implementation documentation "
        "may be of assistance.",
    ),
    "ActionParameterMissing": (
        "Critical",
        "The action %1 requires the parameter %2 to be present in the request body.",
        "Supply the action with the required parameter in the request body when the request "
        "is resubmitted.",
    ),
    "ActionParameterValueNotInList": (
        "Warning",
        "The value '%1' for the parameter %2 in the action %3 is not in the list of "
        "acceptable values.",
        "Choose a value from the enumeration list that the implementation can support and "
        "resubmit the request if the operation failed.",
    ),
    "ActionParameterUnknown": (
        "Warning",
        "The action %1 was submitted with the invalid parameter %2.",
        "Correct the invalid parameter and resubmit the request if the operation failed.",
    ),
    "PropertyUnknown": (
        "Warning",
        "The property %1 is not in the list of valid properties for the resource.",
        "Remove the unknown property from the request body and resubmit the request if the "
        "operation failed.",
    ),
    "PropertyNotWritable": (
        "Warning",
        "The property %1 is a read-only property and cannot be assigned a value.",
        "Remove the property from the request body and resubmit the request if the operation "
        "failed.",
    ),
    "PropertyValueNotInList": (
        "Warning",
        "The value '%1' for the property %2 is not in the list of acceptable values.",
        "Choose a value from the enumeration list that the implementation can support and "
        "resubmit the request if the operation failed.",
    ),
    "PropertyValueTypeError": (
        "Warning",
        "The value '%1' for the property %2 is not a type that the property can accept.",
        "Correct the value for the property in the request body and resubmit the request if "
        "the operation failed.",
    ),
    "QueryNotSupported": (
        "Warning",
        "Querying is not supported by the implementation.",
        "Remove the query parameters and resubmit the request if the operation failed.",
    ),
    "QueryNotSupportedOnResource": (
        "Warning",
        "Querying is not supported on the requested resource.",
        "Remove the query parameters and resubmit the request if the operation failed.",
    ),
    "QueryParameterValueFormatError": (
        "Warning",
        "The value '%1' for the parameter %2 is not a format that the parameter can accept.",
        "Correct the value for the query parameter in the request and resubmit the request "
        "if the operation failed.",
    ),
    "QueryParameterOutOfRange": (
        "Warning",
        "The value '%1' for the query parameter %2 is out of range %3.",
        "Reduce the value for the query parameter to a value that is within range, such as "
        "a start or count value that is within bounds of the number of resources in a "
        "collection or a page that is within the range of valid pages.",
    ),
    "PreconditionFailed": (
        "Critical",
        "The ETag supplied did not match the ETag required to change this resource.",
        "Try the operation again using the appropriate ETag.",
    ),
    "PreconditionRequired": (
        "Critical",
        "A precondition header or annotation is required to change this resource.",
        "Try the operation again using an If-Match or If-None-Match header and appropriate "
        "ETag.",
    ),
    "ResourceInUse": (
        "Warning",
        "The change to the requested resource failed because the resource is in use or in "
        "transition.",
        "Remove the condition and resubmit the request if the operation failed.",
    ),
    "ResourceInStandby": (
        "Critical",
        "The request could not be performed because the resource is in standby.",
        "Ensure that the resource is in the correct power state and resubmit the request.",
    ),
    "ServiceTemporarilyUnavailable": (
        "Critical",
        "The service is temporarily unavailable. Retry in %1 seconds.",
        "Wait for the indicated retry duration and retry the operation.",
    ),
    "InternalError": (
        "Critical",
        "The request failed due to an internal service error. The service is still "
        "operational.",
        "Resubmit the request. If the problem persists, consider resetting the service.",
    ),
    "Success": (
        "OK",
        "The request completed successfully.",
        "None.",
    ),
}


def message(key: str, *args: object) -> dict:
    """Build one `Message` object of the Base registry with its arguments filled in."""
    severity, template, resolution = _MESSAGES[key]
    text = template
    for position, value in enumerate(args, start=1):
        text = text.replace(f"%{position}", str(value))
    return {
        "@odata.type": "#Message.v1_1_1.Message",
        "MessageId": f"{BASE_REGISTRY}.{key}",
        "Message": text,
        "MessageArgs": [str(value) for value in args],
        "MessageSeverity": severity,
        "Resolution": resolution,
    }


def error_body(key: str, *args: object, extra: list[dict] | None = None) -> dict:
    """Build a Redfish error response body for the Base registry message `key`."""
    first = message(key, *args)
    return {
        "error": {
            "code": first["MessageId"],
            "message": first["Message"],
            "@Message.ExtendedInfo": [first, *(extra or [])],
        }
    }


class RedfishError(Exception):
    """A request failure that becomes an HTTP status with a Redfish error body."""

    def __init__(self, status: int, key: str, *args: object, headers: dict | None = None):
        super().__init__(f"{status} {key} {args}")
        self.status = status
        self.key = key
        self.args_ = args
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.key, *self.args_)


# HTTP status -> the message a BMC typically sends for an injected failure of that status.
STATUS_MESSAGES = {
    400: "UnrecognizedRequestBody",
    401: "NoValidSession",
    403: "InsufficientPrivilege",
    404: "ResourceNotFound",
    405: "OperationNotAllowed",
    409: "ResourceInUse",
    412: "PreconditionFailed",
    428: "PreconditionRequired",
    500: "InternalError",
    501: "QueryNotSupported",
    503: "ServiceTemporarilyUnavailable",
}


def status_error_body(status: int, retry_seconds: int | None = None) -> dict:
    """Build the error body an injected failure with HTTP `status` carries."""
    key = STATUS_MESSAGES.get(status, "GeneralError")
    if key == "ServiceTemporarilyUnavailable":
        return error_body(key, retry_seconds if retry_seconds is not None else 1)
    if key == "ResourceNotFound":
        return error_body(key, "Resource", "unknown")
    return error_body(key)
