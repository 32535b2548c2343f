using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Products;

public static class ProductsSetup
{
    public static IServiceCollection AddProducts(this IServiceCollection services) =>
        services.AddEventSource<Product, ProductDto>("product", p => (p.Id, p.AccountId), (p, _) => p.ToDto(), ProductsJsonContext.Default.ProductDto);
}
