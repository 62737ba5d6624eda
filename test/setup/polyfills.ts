import '../../workflows/local/promise-with-resolvers';
