using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Accountability.Web.Access;

/// <summary>Data Protection keys in PostgreSQL: every node behind the load balancer reads the same key ring, so a
/// cookie or anti-forgery token issued by one node is accepted by all.</summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    private const string SelectAll = "SELECT xml FROM data_protection_key ORDER BY created_at";

    private const string Insert = """
        INSERT INTO data_protection_key (friendly_name, xml) VALUES (@friendlyName, @xml)
        ON CONFLICT (friendly_name) DO NOTHING
        """;

    // The interface is synchronous; key-ring reads are rare (cached by Data Protection for hours).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<string>(SelectAll).Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute(Insert, new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
