namespace VirtualCore.Framework.Mediation;

/// <summary>One reason a field of a request was refused.</summary>
/// <param name="Field">The request field, in the casing clients send (camelCase).</param>
/// <param name="Reason">What is wrong, said so a user can fix it.</param>
public sealed record FieldError(string Field, string Reason);

/// <summary>The request is invalid; nothing was changed. Maps to 400 with problem details naming the fields.</summary>
public sealed class RequestValidationException(IReadOnlyList<FieldError> errors)
    : Exception("The request is invalid: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Reason}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;

    public RequestValidationException(string field, string reason)
        : this([new FieldError(field, reason)])
    {
    }
}

/// <summary>The thing does not exist for this caller — also when it belongs to another tenant. Maps to 404.</summary>
public sealed class NotFoundException(string what) : Exception($"{what} was not found.");

/// <summary>The caller may see the thing but not do this. Maps to 403.</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>The request conflicts with the current state (another job runs on the VM, a duplicate). Maps to 409.</summary>
public sealed class ConflictException : Exception
{
    public ConflictException(string message)
        : base(message)
    {
    }

    public ConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
