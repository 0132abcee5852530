"""patentflow: the statistics pipeline behind the Jinan patent transformation action plan."""
